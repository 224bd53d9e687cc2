# local DP: accuracy against size — data in locality_accuracy.csv
set datafile separator ','
set title 'local DP: accuracy against size'
set xlabel 'size n (inputs)'
set ylabel 'accuracy (every dp value right)'
set key top left box opaque
set grid
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'locality_accuracy.png'
plot 'locality_accuracy.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'mamba d64×2 N16 interleaved', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'mamba d64×2 N16 prefix', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'transformer d64×2 interleaved', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'transformer d64×2 prefix', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'window W6 d64×2 interleaved', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with linespoints lw 2 title 'window W6 d64×2 prefix'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'locality_accuracy.svg'
plot 'locality_accuracy.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'mamba d64×2 N16 interleaved', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'mamba d64×2 N16 prefix', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'transformer d64×2 interleaved', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'transformer d64×2 prefix', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'window W6 d64×2 interleaved', \
     'locality_accuracy.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with linespoints lw 2 title 'window W6 d64×2 prefix'
unset output
