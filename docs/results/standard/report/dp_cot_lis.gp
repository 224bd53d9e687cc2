# lis: final-answer accuracy against size — data in dp_cot_lis.csv
set datafile separator ','
set title 'lis: final-answer accuracy against size'
set xlabel 'problem size n'
set ylabel 'final-answer accuracy'
set key top left box opaque
set grid
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'dp_cot_lis.png'
plot 'dp_cot_lis.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba direct', \
     'dp_cot_lis.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'Mamba cot', \
     'dp_cot_lis.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'Transformer direct', \
     'dp_cot_lis.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'Transformer cot'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'dp_cot_lis.svg'
plot 'dp_cot_lis.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba direct', \
     'dp_cot_lis.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'Mamba cot', \
     'dp_cot_lis.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'Transformer direct', \
     'dp_cot_lis.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'Transformer cot'
unset output
