# COPY: accuracy during training, mamba d64×1 N16 — data in sample_efficiency_curves_2.csv
set datafile separator ','
set title 'COPY: accuracy during training, mamba d64×1 N16'
set xlabel 'samples seen (examples)'
set ylabel 'whole-string accuracy, lengths 1 … L'
set key bottom right box opaque
set grid
set logscale x
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'sample_efficiency_curves_2.png'
plot 'sample_efficiency_curves_2.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with lines lw 2 title 'L = 6', \
     'sample_efficiency_curves_2.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'L = 10', \
     'sample_efficiency_curves_2.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'L = 14', \
     'sample_efficiency_curves_2.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'L = 18'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'sample_efficiency_curves_2.svg'
plot 'sample_efficiency_curves_2.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with lines lw 2 title 'L = 6', \
     'sample_efficiency_curves_2.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'L = 10', \
     'sample_efficiency_curves_2.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'L = 14', \
     'sample_efficiency_curves_2.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'L = 18'
unset output
